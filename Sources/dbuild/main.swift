import Glibc
import DbuildCLI

setvbuf(stdout, nil, _IOLBF, 0)     // progress lines reach a log file or a pipe as they happen
DbuildCommand.main()
