complete -c nsca -s c -d 'The configuration file (nsca.cfg syntax); relative paths are taken from the current directory. Default: nsca.cfg in the current directory' -r
complete -c nsca -s f -l foreground -d 'Stay in the foreground (no fork) and log to stderr instead of syslog'
complete -c nsca -s s -l single -d 'Listen for clients and serve them all from this one process (the default mode)'
complete -c nsca -s d -l daemon -d 'Same as --single: accepted for command lines written for the C daemon, whose process-per-connection mode this daemon does not need'
complete -c nsca -s i -l inetd -d 'Serve the one connection on stdin and stdout, then exit (for inetd or xinetd)'
complete -c nsca -s h -l help -d 'Print this help and exit with status 3'
complete -c nsca -s V -l version -d 'Print the version banner and exit with status 3'
complete -c nsca -s l -l license -d 'Print the license notice and exit with status 3'
