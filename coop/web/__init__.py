"""The web layer's shared input/output types: WTForms fields (``forms``) and marshmallow fields
(``fields``). Only blueprints and the areas' own ``forms.py``/``schemas.py`` import them; domain services
never do (the import contract in ``.importlinter`` checks it)."""
