{application,billing,[{vsn,"0.1.0"},{modules,[]},{applications,[]}]}.
