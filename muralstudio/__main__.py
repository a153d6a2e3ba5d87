from muralstudio.cli import main

raise SystemExit(main())
