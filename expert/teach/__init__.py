"""The educator's views: explain and step, why-not, what-if, the derivation graph, practice."""
