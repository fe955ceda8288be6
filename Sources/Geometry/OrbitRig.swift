import Foundation

/// One view on the orbit around a head at the origin (y up, +z out of the face).
public struct OrbitView: Equatable, Sendable {
    /// Degrees above the horizontal plane through the head's centre.
    public var elevation: Float
    /// Degrees around the vertical axis; 0 looks at the face, 90 sits on +x (the head's left side).
    public var azimuth: Float

    public init(elevation: Float, azimuth: Float) { (self.elevation, self.azimuth) = (elevation, azimuth) }

    /// The seed paper's dataset grid (DESIGN.md): elevations -10, 0, ..., 40 by azimuths 0, 22.5, ...,
    /// 337.5, ring by ring: view index = 16 x elevation index + azimuth index.
    public static let standard: [OrbitView] = elevations.flatMap { e in ring(elevation: e, count: azimuthsPerRing) }

    /// The standard grid's rings, in degrees (steps of 10), and its views per ring (steps of 22.5 degrees).
    public static let elevations: [Float] = [-10, 0, 10, 20, 30, 40]
    public static let azimuthsPerRing = 16

    /// `count` views evenly spaced in azimuth from 0 at one elevation.
    public static func ring(elevation: Float, count: Int) -> [OrbitView] {
        (0..<count).map { OrbitView(elevation: elevation, azimuth: 360 * Float($0) / Float(count)) }
    }

    /// SV3D's per-frame camera ids in radians: polar angle (90 degrees - elevation) and azimuth.
    public var polarRadians: Float { (90 - elevation) * .pi / 180 }
    public var azimuthRadians: Float { azimuth * .pi / 180 }

    /// The view's place in the standard orbit's order (16 x elevation index + azimuth index), continuous
    /// between grid views: the frame position a generator with explicit frame positions sees.
    public var orbitPosition: Float {
        let ring = Float(Self.azimuthsPerRing)
        return (elevation - Self.elevations[0]) / 10 * ring + azimuth.truncatingRemainder(dividingBy: 360) / (360 / ring)
    }

    /// Angular distance of the azimuth from the front view, in [0, 180] degrees.
    public var azimuthFromFront: Float {
        let a = azimuth.truncatingRemainder(dividingBy: 360)
        let wrapped = a < 0 ? a + 360 : a
        return min(wrapped, 360 - wrapped)
    }
}

/// The cameras of an orbit: pinhole cameras on a sphere around `centre`, looking at it, with one
/// field of view. The standard rig (DESIGN.md: what `orbit synth` renders, the generator was trained
/// on and views folders record) frames a head at the origin that fits in a sphere of radius about 1.
public struct OrbitRig: Equatable, Sendable {
    /// Camera distance from `centre`, in scene units.
    public var distance: Float
    /// Vertical (= horizontal: the views are square) field of view in degrees.
    public var fieldOfView: Float
    /// The point the cameras look at.
    public var centre: SIMD3<Float>

    public init(distance: Float = 3.5, fieldOfView: Float = 36, centre: SIMD3<Float> = SIMD3(repeating: 0)) {
        (self.distance, self.fieldOfView, self.centre) = (distance, fieldOfView, centre)
    }

    /// Distance 3.5 and a 36 degree field of view around the origin.
    public static let standard = OrbitRig()

    /// The camera centre in world space.
    public func position(_ view: OrbitView) -> SIMD3<Float> {
        let m = cameraToWorld(view)
        return SIMD3(m[0][3], m[1][3], m[2][3])
    }

    /// Camera-to-world 4x4, row-major, OpenGL/nerfstudio convention: the camera looks down its -z axis,
    /// +y is up in the image, +x to the right.
    public func cameraToWorld(_ view: OrbitView) -> [[Float]] {
        Camera.orbitPose(azimuth: view.azimuth, elevation: view.elevation, distance: distance, centre: centre)
    }

    /// Focal length in pixels for square views of side `size`.
    public func focalLength(size: Int) -> Float { 0.5 * Float(size) / tan(0.5 * fieldOfView * .pi / 180) }

    /// The camera of `view` for a square image of side `size` pixels (principal point at the centre).
    public func camera(_ view: OrbitView, size: Int) -> Camera {
        let focal = focalLength(size: size)
        return Camera(width: size, height: size, fx: focal, fy: focal, cx: Float(size) / 2, cy: Float(size) / 2,
                      cameraToWorldOpenGL: cameraToWorld(view))
    }
}
