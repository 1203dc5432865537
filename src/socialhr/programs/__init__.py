"""Programs that grow social capital (docs/programs.md).

Each program is a module here with a CLI command; each stores what it
proposed and what became of it in the workspace (schema 9), pseudonymous like
everything else, so that its impact can be measured. Who a program works with
is a :class:`~.population.Population`: the people employed now, their org
chart and their network from the latest analysis.

* :mod:`.intros` — introductions for new joiners (``socialhr intros``).
* :mod:`.matching` — cross-team matching (``socialhr match``), with :mod:`.zones` for time zones.
* :mod:`.onboarding` — each new joiner's network week by week against earlier joiners (``socialhr onboarding``).
* :mod:`.namegame` — the colleague name game (``socialhr game``).
* :mod:`.kudos` — peer recognition (``socialhr kudos``).
"""
