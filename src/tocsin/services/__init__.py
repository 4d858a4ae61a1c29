"""tocsin.services"""
