package cli

func cmdGrants(e *Env, args []string) int {
	return errorf(e, "grants: not implemented yet")
}
