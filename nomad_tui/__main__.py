from nomad_tui.cli import main

raise SystemExit(main())
