"""tocsin.web"""
