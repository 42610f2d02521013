"""The Django project and its apps."""
