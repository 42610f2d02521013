"""The rules of ``decide``: one module per policy family, composed in
:mod:`asilo.policy.rules.pipeline` in the order of precedence.

=====================  ==================================================================
module                 policies (catalogue documents)
=====================  ==================================================================
``units``              who shares an outcome; ``cbp/demographics``
``custody``            ``cbp/custody_standard``
``title42``            ``title42/*`` (orders, exceptions, Mexico's acceptance, Tamaulipas)
``cbp_one``            ``cbp_one/appointments``
``proclamations``      ``entry/proclamation_10888``
``title8``             Title 8 processing; ``title8/mexico_returns``
``tvpra``              ``tvpra/unaccompanied_children``
``mpp``                ``mpp/enrolment``, ``mpp/resumption`` (``mpp/wind_down`` in title42)
``aca``                ``aca/guatemala``, ``aca/honduras``
``asylum``             ``asylum/*`` (transit bar, 2023 rule, 2024 limitation)
``parole``             ``parole/chnv``
``refugees``           ``refugees/admissions_suspension`` (reported beside eligibility)
=====================  ==================================================================
"""
