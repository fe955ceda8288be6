import Foundation
import Geometry
import Imaging

/// A studio light rig fixed in the head's frame (so all 96 views of an orbit see one appearance, as a
/// capture stage would): a key light, a fill light and ambient, Lambert diffuse plus a soft
/// Blinn-Phong specular.
public struct StudioLighting: Sendable {
    public struct Light: Sendable {
        /// Unit direction towards the light, in the head's frame (y up, +z out of the face).
        public var direction: SIMD3<Float>
        public var intensity: Float
        public init(direction: SIMD3<Float>, intensity: Float) {
            self.direction = direction / max((direction * direction).sum().squareRoot(), 1e-12)
            self.intensity = intensity
        }
    }

    public var lights: [Light]
    public var ambient: Float
    /// Specular strength and Blinn-Phong exponent (low: soft skin sheen).
    public var specular: Float, shininess: Float

    public init(lights: [Light], ambient: Float, specular: Float = 0.08, shininess: Float = 24) {
        (self.lights, self.ambient, self.specular, self.shininess) = (lights, ambient, specular, shininess)
    }

    /// Key light up-left-front, fill from the other side, some ambient.
    public static let portrait = StudioLighting(lights: [Light(direction: SIMD3(-0.5, 0.55, 0.75), intensity: 0.75),
                                                         Light(direction: SIMD3(0.7, 0.1, 0.6), intensity: 0.3)],
                                                ambient: 0.22)

    /// Shades a surface point: albedo (linear RGB), unit normal, and the unit direction to the viewer.
    public func shade(albedo: SIMD3<Float>, normal: SIMD3<Float>, toViewer: SIMD3<Float>) -> SIMD3<Float> {
        var diffuse = ambient, highlight: Float = 0
        for light in lights {
            let lambert = (normal * light.direction).sum()
            guard lambert > 0 else { continue }
            diffuse += light.intensity * lambert
            var half = light.direction + toViewer
            half /= max((half * half).sum().squareRoot(), 1e-12)
            highlight += light.intensity * specular * Foundation.pow(max(0, (normal * half).sum()), shininess)
        }
        return albedo * diffuse + SIMD3(repeating: highlight)
    }

    /// Deferred shading of a rasterised view whose attributes are [albedo r, g, b, normal x, y, z,
    /// position x, y, z] (9 channels, world frame): an RGBA image with the view's coverage as alpha.
    public func image(of view: RasterizedView, camera: Camera) -> Image {
        precondition(view.channels == 9, "deferred shading needs albedo, normal and position (9 channels)")
        let eye = camera.centre
        var out = Image(width: view.width, height: view.height, channels: 4)
        for p in 0..<(view.width * view.height) where view.coverage[p] > 0 {
            let a = view.attributes[(p * 9)..<(p * 9 + 9)].map { $0 }
            var n = SIMD3(a[3], a[4], a[5])
            n /= max((n * n).sum().squareRoot(), 1e-12)
            var toViewer = eye - SIMD3(a[6], a[7], a[8])
            toViewer /= max((toViewer * toViewer).sum().squareRoot(), 1e-12)
            let c = shade(albedo: SIMD3(a[0], a[1], a[2]), normal: n, toViewer: toViewer)
            for k in 0..<3 { out.pixels[p * 4 + k] = min(1, max(0, c[k])) }
            out.pixels[p * 4 + 3] = view.coverage[p]
        }
        return out
    }
}
