# affected: none
# Not hostile: a correct answer given as a SymPy expression. Where the interpreter lives in a folder the
# sandbox account cannot read (a home folder), only what the fork server preloaded can be imported: SymPy must be.
import sympy

OUTPUT_MEAN = sympy.Integer(0)
