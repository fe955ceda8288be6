// Cameras live in Geometry (the triangle rasteriser shares them); Splat's users get them with it.
@_exported import Geometry
