import Foundation
import Geometry
import Imaging

extension ColmapModel {
    /// Pinhole part and distortion coefficients (k1, k2, p1, p2) of a camera model.
    public static func intrinsics(_ c: CameraModel) -> (fx: Double, fy: Double, cx: Double, cy: Double, distortion: [Double]) {
        let p = c.params
        switch c.model {
        case "SIMPLE_PINHOLE": return (p[0], p[0], p[1], p[2], [0, 0, 0, 0])
        case "PINHOLE": return (p[0], p[1], p[2], p[3], [0, 0, 0, 0])
        case "SIMPLE_RADIAL": return (p[0], p[0], p[1], p[2], [p[3], 0, 0, 0])
        case "RADIAL": return (p[0], p[0], p[1], p[2], [p[3], p[4], 0, 0])
        default: return (p[0], p[1], p[2], p[3], [p[4], p[5], p[6], p[7]])  // OPENCV
        }
    }

    /// COLMAP's (OpenCV's) lens distortion of normalised camera coordinates: radial k1 r^2 + k2 r^4
    /// and tangential p1, p2.
    public static func distort(_ x: Double, _ y: Double, _ d: [Double]) -> (Double, Double) {
        let (xx, xy, yy) = (x * x, x * y, y * y)
        let r2 = xx + yy, radial = d[0] * r2 + d[1] * r2 * r2
        return (x + x * radial + 2 * d[2] * xy + d[3] * (r2 + 2 * xx), y + y * radial + 2 * d[3] * xy + d[2] * (r2 + 2 * yy))
    }

    /// The pinhole camera of a registered image (distortion removed by `undistorted`).
    public func camera(_ image: ImagePose) -> Camera {
        let c = cameras[image.cameraID]!, k = Self.intrinsics(c)
        return Camera(width: c.width, height: c.height, fx: Float(k.fx), fy: Float(k.fy), cx: Float(k.cx), cy: Float(k.cy),
                      rotation: Camera.rotationMatrix(quaternion: image.rotation).map(Float.init),
                      translation: SIMD3(Float(image.translation[0]), Float(image.translation[1]), Float(image.translation[2])))
    }

    /// The image as the pinhole camera of `camera(_:)` would see it: each output pixel centre mapped
    /// through the distortion and sampled bilinearly; pixels that map outside become transparent.
    public static func undistorted(_ image: Image, _ c: CameraModel) -> Image {
        let k = intrinsics(c)
        guard k.distortion.contains(where: { $0 != 0 }) else { return image }
        let rgba = Image(width: image.width, height: image.height, channels: 4, pixels: (0..<(image.width * image.height)).flatMap { i -> [Float] in
            let rgb = image.channels >= 3 ? Array(image.pixels[(i * image.channels)..<(i * image.channels + 3)])
                                          : [Float](repeating: image.pixels[i * image.channels], count: 3)
            return rgb + [image.channels == 2 || image.channels == 4 ? image.pixels[i * image.channels + image.channels - 1] : 1]
        })
        var out = Image(width: image.width, height: image.height, channels: 4)
        for v in 0..<image.height {
            for u in 0..<image.width {
                let (xd, yd) = distort((Double(u) + 0.5 - k.cx) / k.fx, (Double(v) + 0.5 - k.cy) / k.fy, k.distortion)
                let (sx, sy) = (Float(k.fx * xd + k.cx) - 0.5, Float(k.fy * yd + k.cy) - 0.5)  // source index space
                guard sx >= -0.5, sy >= -0.5, sx <= Float(image.width) - 0.5, sy <= Float(image.height) - 0.5 else { continue }
                let (x0, y0) = (Int(max(0, min(Float(image.width - 1), sx.rounded(.down)))), Int(max(0, min(Float(image.height - 1), sy.rounded(.down)))))
                let (x1, y1) = (min(x0 + 1, image.width - 1), min(y0 + 1, image.height - 1))
                let (fx, fy) = (max(0, min(1, sx - Float(x0))), max(0, min(1, sy - Float(y0))))
                for ch in 0..<4 {
                    let top = rgba[x0, y0, ch] * (1 - fx) + rgba[x1, y0, ch] * fx
                    let bottom = rgba[x0, y1, ch] * (1 - fx) + rgba[x1, y1, ch] * fx
                    out[u, v, ch] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return out
    }
}

extension ViewsDataset {
    /// Views of a COLMAP project: `folder/sparse/0` and the images in `folder/images`.
    public static func readColmap(folder: String, background: (Float, Float, Float), downscale: Int) throws -> [DatasetView] {
        let model = try ColmapModel.read(sparse: (folder as NSString).appendingPathComponent("sparse/0"))
        guard !model.images.isEmpty else { throw SplatInputError(folder + "/sparse/0", "no registered images") }
        return try model.images.sorted { $0.name < $1.name }.map { pose in
            guard ViewsFolder.staysInside(pose.name) else {
                throw SplatInputError(folder + "/sparse/0", "image name '\(pose.name)' leaves the images folder")
            }
            let path = (folder as NSString).appendingPathComponent("images/" + pose.name)
            guard FileManager.default.fileExists(atPath: path) else { throw SplatInputError(path, "no such image (listed in the COLMAP model)") }
            let c = model.cameras[pose.cameraID]!
            var image = try ImageIO.read(path)
            guard image.width == c.width && image.height == c.height else {
                throw SplatInputError(path, "is \(image.width)x\(image.height), but its COLMAP camera \(c.id) is \(c.width)x\(c.height)")
            }
            image = ColmapModel.undistorted(image, c)
            image = try downscaled(image, by: downscale, path: path)
            return DatasetView(name: pose.name, camera: model.camera(pose).downscaled(by: downscale),
                               image: image.compositedRGB(background: background), alpha: alphaChannel(image))
        }
    }
}
