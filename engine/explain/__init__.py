"""Explanations: unmet conditions, counterfactual what-ifs (each re-evaluated before it is shown), relevance (which questions can still matter), the message catalogue, and the text, JSON and HTML renderers.
Reads Decisions; gives what a person or a program reads. Renderers never evaluate."""
