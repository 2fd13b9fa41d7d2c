"""Results: everything computed from stored records, never from training.

``record`` (a run's record, with the evaluation ``protocol`` it declares), ``leaderboard``
(records -> cells -> ranked table), ``references`` (published rows beside ours),
``stats`` and ``comparison`` (bootstrap, paired tests, Friedman), ``predictions`` (the stored test
predictions those statistics read), ``cd_diagram`` and the HTML ``report`` with its tables and
plots. Pure functions of records (pandas, numpy); rendering to a terminal is the CLI's job.
"""
