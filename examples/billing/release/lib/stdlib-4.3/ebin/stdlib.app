{application,stdlib,[{vsn,"4.3"},{modules,[]},{applications,[]}]}.
