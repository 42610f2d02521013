"""Identity resolution: one person across encounters and registrations (Splink 5).

A pure package (never imports Django): the synthetic population generator (:mod:`.synth`),
the record files (:mod:`.records`), the comparison model and its trained parameters
(:mod:`.model`), linking / training / matching on DuckDB or Spark (:mod:`.engine`) and
pairwise evaluation (:mod:`.evaluation`). See docs/linkage.md.
"""
