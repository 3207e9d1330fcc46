"""Evaluation: the case reader (JSON -> typed values, with field-named errors), the traced tree evaluator, the fast form derived from the same tree, the Decision it gives, and the choice of policy year by the case's date.
Takes a compiled tree and a case; gives a Decision (data only, no text)."""
