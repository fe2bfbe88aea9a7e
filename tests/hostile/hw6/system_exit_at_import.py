# affected: all
# message: raised SystemExit

raise SystemExit(0)
