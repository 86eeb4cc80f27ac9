"""Argo CD Image Updater as it reads its configuration: annotations, ImageUpdater resources, tag
filters, selection, explain.
"""
