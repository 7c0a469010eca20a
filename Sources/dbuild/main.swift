import DbuildCLI
DbuildCommand.main()
