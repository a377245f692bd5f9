"""Stacks that compose the constructs, and the Stage that groups one environment's stacks."""
