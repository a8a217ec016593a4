"""Torch cores: input-convex potentials, generators and the skorch nets that train them."""
