complete -c send_nsca -o to -l timeout -d 'Seconds for the whole run: connecting, reading standard input, sending' -r
complete -c send_nsca -o ds -l set-delimiter -d 'The set delimiter, which ends each result: a character, or a number such as 0x17' -r
complete -c send_nsca -s H -l host -d 'The NSCA daemon\'s host name or IP address' -r -f -a "(__fish_print_hostnames)"
complete -c send_nsca -s p -l port -d 'The daemon\'s TCP port' -r
complete -c send_nsca -s c -l config -d 'The configuration file to read (password, encryption method)' -r -F
complete -c send_nsca -s d -l delimiter -d 'The field delimiter: a character, or a number such as 0x09' -r
complete -c send_nsca -l password-file -d 'Read the password from this file\'s first line' -r -F
complete -c send_nsca -l password-env -d 'Read the password from this environment variable' -r
complete -c send_nsca -l spool -d 'Keep undelivered results in DIR, and send them first next time' -r -f -a "(__fish_complete_directories)"
complete -c send_nsca -l spool-max-age -d 'Drop spooled results older than this, with a message (0: never)' -r
complete -c send_nsca -l spool-max-bytes -d 'Drop the oldest spool files beyond this size, with a message' -r
complete -c send_nsca -l check-host -d 'Free-text mode: all of stdin is one result for this host' -r -f -a "(__fish_print_hostnames)"
complete -c send_nsca -l check-service -d 'Free-text mode: the result\'s service; without it, a host result' -r
complete -c send_nsca -l check-state -d 'Free-text mode: the state, 0 to 3 or a name (OK, WARNING, ...)' -r -f -a "OK\t''
WARNING\t''
CRITICAL\t''
UNKNOWN\t''
UP\t''
DOWN\t''
UNREACHABLE\t''"
complete -c send_nsca -l quiet -d 'Print nothing on success'
complete -c send_nsca -l legacy-2-7-mode -d 'Send the 720-byte packets of NSCA 2.7 daemons'
complete -c send_nsca -s h -l help -d 'Print the help; --help adds this version\'s own options, examples and the exit status'
complete -c send_nsca -s V -l version -d 'Print the version and the license\'s name'
complete -c send_nsca -s l -l license -d 'Print the license notice'
complete -c send_nsca -l one-check-per-line -d 'One result per line: the same as -ds 0x0a'
complete -c send_nsca -l strict -d 'Silent changes become errors: skipped sets, cut fields, bad codes'
complete -c send_nsca -l dry-run -d 'Send nothing; print the line Nagios would receive for each result'
complete -c send_nsca -l flush -d 'Send what the spool holds, and nothing else (stdin is not read)'
