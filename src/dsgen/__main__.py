from dsgen.cli import main

main()
