"""Kubernetes manifests: a kustomize base generated from the code's tables, and overlays."""
