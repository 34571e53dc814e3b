"""The reproduction suite: experiment grid, parallel resumable runner, run store and report.

Data flows one way: configs (:mod:`reproduce.config`) expand into run specs
(:mod:`reproduce.spec`); the runner (:mod:`reproduce.runner`) executes the missing ones on a
backend (:mod:`reproduce.backends`, :mod:`reproduce.execute`) and writes one file per run to the
store (:mod:`reproduce.store`); the report (:mod:`reproduce.report`) reads only the store.

Command lines: ``python -m reproduce.all`` (run, then report) and ``python -m reproduce.report``.
"""
