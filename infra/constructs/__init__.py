"""One construct per stage of the pipeline; `infra/stack.py` composes them."""
