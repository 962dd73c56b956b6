"""The fair economy: share capital, contributions, surplus allocation,
member capital accounts and participatory budgeting.

The arithmetic (money splits, allocations, budgeting rules) is pure Python
with no Django, like taawun.tally, so that anyone can check a result with
this package alone; the models, actions and pages build on it.
"""
