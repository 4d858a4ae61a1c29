"""tocsin.builtin"""
