package cli

func cmdIndex(e *Env, args []string) int {
	return errorf(e, "index: not implemented yet")
}
