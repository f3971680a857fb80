"""The backlog: problems, initiatives and RICE, the impact map, success and kill criteria, the canvas."""
