import Foundation

/// A pinhole camera in the OpenCV convention the rasteriser works in: x right, y down, z forward
/// (into the scene); pixel centres at integer + 0.5.
public struct Camera: Equatable, Sendable {
    public var width: Int, height: Int
    public var fx: Float, fy: Float, cx: Float, cy: Float
    /// World-to-camera rotation, row-major 3x3, and translation: x_cam = R x_world + t.
    public var rotation: [Float]
    public var translation: SIMD3<Float>

    public init(width: Int, height: Int, fx: Float, fy: Float, cx: Float, cy: Float, rotation: [Float], translation: SIMD3<Float>) {
        precondition(rotation.count == 9, "rotation must be 3x3")
        (self.width, self.height, self.fx, self.fy, self.cx, self.cy) = (width, height, fx, fy, cx, cy)
        (self.rotation, self.translation) = (rotation, translation)
    }

    /// From a camera-to-world 4x4 (row-major) in the OpenGL / nerfstudio convention (camera looks
    /// down -z, y up): flip the camera's y and z axes, then invert the rigid transform.
    public init(width: Int, height: Int, fx: Float, fy: Float, cx: Float, cy: Float, cameraToWorldOpenGL m: [[Float]]) {
        // Columns of the OpenCV camera-to-world rotation: (x, -y, -z) of the OpenGL one.
        var r = [Float](repeating: 0, count: 9)  // world-to-camera = transpose of camera-to-world
        for i in 0..<3 {
            r[0 * 3 + i] = m[i][0]
            r[1 * 3 + i] = -m[i][1]
            r[2 * 3 + i] = -m[i][2]
        }
        let c = SIMD3(m[0][3], m[1][3], m[2][3])
        let t = -SIMD3((0..<3).map { row in r[row * 3] * c.x + r[row * 3 + 1] * c.y + r[row * 3 + 2] * c.z })
        self.init(width: width, height: height, fx: fx, fy: fy, cx: cx, cy: cy, rotation: r, translation: t)
    }

    /// The camera centre in world space: -R^T t.
    public var centre: SIMD3<Float> {
        let t = translation
        return -SIMD3((0..<3).map { col in rotation[col] * t.x + rotation[3 + col] * t.y + rotation[6 + col] * t.z })
    }

    /// World point -> camera coordinates.
    public func toCamera(_ p: SIMD3<Float>) -> SIMD3<Float> {
        SIMD3((0..<3).map { row in rotation[row * 3] * p.x + rotation[row * 3 + 1] * p.y + rotation[row * 3 + 2] * p.z }) + translation
    }

    /// World point -> pixel (x, y) and depth.
    public func project(_ p: SIMD3<Float>) -> (x: Float, y: Float, depth: Float) {
        let c = toCamera(p)
        return (fx * c.x / c.z + cx, fy * c.y / c.z + cy, c.z)
    }

    /// The same camera for images downscaled by `factor` (sizes rounded down).
    public func downscaled(by factor: Int) -> Camera {
        guard factor > 1 else { return self }
        let s = 1 / Float(factor)
        return Camera(width: width / factor, height: height / factor, fx: fx * s, fy: fy * s, cx: cx * s, cy: cy * s,
                      rotation: rotation, translation: translation)
    }
}

extension Camera {
    /// Camera-to-world 4x4 (row-major, OpenGL convention: looking down -z, y up) of a camera on a
    /// sphere of radius `distance` around `centre`, at `elevation` degrees above the horizontal and
    /// `azimuth` degrees around the vertical axis (0 on +z, 90 on +x), looking at the centre with the
    /// world's +y up in the image.
    public static func orbitPose(azimuth: Float, elevation: Float, distance: Float,
                                 centre: SIMD3<Float> = SIMD3(repeating: 0)) -> [[Float]] {
        let e = elevation * .pi / 180, a = azimuth * .pi / 180
        let back = SIMD3(cos(e) * sin(a), sin(e), cos(e) * cos(a))  // camera +z, away from the centre
        let p = centre + distance * back
        // At the poles the world's up is parallel to the view direction: use -z / +z as up instead.
        var right = SIMD3<Float>(0, 1, 0).cross(back)
        if (right * right).sum() < 1e-12 { right = SIMD3<Float>(0, 0, elevation > 0 ? -1 : 1).cross(back) }
        right /= right.length
        let up = back.cross(right)
        return [[right.x, up.x, back.x, p.x], [right.y, up.y, back.y, p.y], [right.z, up.z, back.z, p.z], [0, 0, 0, 1]]
    }
}

extension Camera {
    /// The rotation matrix (row-major 3x3) of the quaternion (w, x, y, z), normalised first: COLMAP's
    /// camera poses and the Gaussians' orientations both use it.
    public static func rotationMatrix<T: BinaryFloatingPoint>(quaternion q: [T]) -> [T] {
        let n = max((q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).squareRoot(), 1e-12)
        let (w, x, y, z) = (q[0] / n, q[1] / n, q[2] / n, q[3] / n)
        return [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]
    }
}
