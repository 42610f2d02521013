"""Request and response schemas of the encounters API (explicit, for the OpenAPI document),
one module per subject: ``requests`` (what a client sends), ``decisions`` (a decision and its
reasons), ``encounters``, ``custody``, ``work`` (family exceptions, reunification tasks) and
``derived`` (the wire types made from the policy and selector types). Import a schema from
its module.
"""
