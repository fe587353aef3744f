"""Drivers shared by the tests and the benchmarks: the Lambda handlers run over
moto as AWS runs them, a Lambda context, recorded AWS events. Not product code:
nothing under functions/ imports it, and it does not ship."""
