{application,logger,[{vsn,"1.14.0"},{modules,[]},{applications,[]}]}.
