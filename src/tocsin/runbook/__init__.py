"""tocsin.runbook"""
