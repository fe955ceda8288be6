import Foundation
import Geometry
import Imaging
import Tensor

/// A studio light rig fixed in the head's frame (so all 96 views of an orbit see one appearance, as a
/// capture stage would): a key light, a fill light and ambient (brighter from above), Lambert diffuse
/// plus a soft Blinn-Phong specular on skin and the Kajiya-Kay highlight along the strands on hair.
public struct StudioLighting: Sendable {
    public struct Light: Sendable {
        /// Unit direction towards the light, in the head's frame (y up, +z out of the face).
        public var direction: SIMD3<Float>
        public var intensity: Float
        public init(direction: SIMD3<Float>, intensity: Float) {
            self.direction = direction.normalised()
            self.intensity = intensity
        }
    }

    public var lights: [Light]
    public var ambient: Float
    /// Specular strength (scaled by each surface's own) and Blinn-Phong exponent (low: soft skin sheen).
    public var specular: Float, shininess: Float
    /// Seeds the per-pixel strand and pore texture.
    public var detail = ValueNoise(seed: 0)

    public init(lights: [Light], ambient: Float, specular: Float = 0.08, shininess: Float = 24) {
        (self.lights, self.ambient, self.specular, self.shininess) = (lights, ambient, specular, shininess)
    }

    /// Key light up-left-front, fill from the other side, some ambient.
    public static let portrait = StudioLighting(keyAzimuth: -35, keyElevation: 35)

    /// A key light at `keyAzimuth` degrees around the head (0 in front) and `keyElevation` above the
    /// horizon, a fill from the mirrored side lower down, and ambient.
    public init(keyAzimuth: Float, keyElevation: Float) {
        func direction(_ azimuth: Float, _ elevation: Float) -> SIMD3<Float> {
            let (a, e) = (azimuth * .pi / 180, elevation * .pi / 180)
            return SIMD3(cos(e) * sin(a), sin(e), cos(e) * cos(a))
        }
        self.init(lights: [Light(direction: direction(keyAzimuth, keyElevation), intensity: 0.85),
                           Light(direction: direction(-keyAzimuth * 0.8, 5), intensity: 0.3)], ambient: 0.2, specular: 1, shininess: 24)
    }

    /// The rig of a subject (its key light) with its detail noise.
    public init(for parameters: HeadParameters) {
        self.init(keyAzimuth: parameters.keyLightAzimuth, keyElevation: parameters.keyLightElevation)
        detail = ValueNoise(seed: parameters.detailSeed &+ 1)
    }

    /// Shades a surface point: albedo (linear RGB), unit normal, the unit direction to the viewer, and
    /// the surface's own specular strength.
    public func shade(albedo: SIMD3<Float>, normal: SIMD3<Float>, toViewer: SIMD3<Float>, specularScale: Float = 1) -> SIMD3<Float> {
        var diffuse = ambient, highlight: Float = 0
        for light in lights {
            let lambert = (normal * light.direction).sum()
            guard lambert > 0 else { continue }
            diffuse += light.intensity * lambert
            let half = (light.direction + toViewer).normalised()
            highlight += light.intensity * specular * specularScale * Foundation.pow(max(0, (normal * half).sum()), shininess)
        }
        return albedo * diffuse + SIMD3(repeating: highlight)
    }

    /// Hair: wrapped diffuse (light reaches into the strands) and a Kajiya-Kay highlight, sharp and
    /// white plus broad and tinted, along the strand `tangent`.
    func shadeHair(albedo: SIMD3<Float>, normal: SIMD3<Float>, tangent: SIMD3<Float>, toViewer: SIMD3<Float>, specular s: Float) -> SIMD3<Float> {
        var diffuse = ambient, white: Float = 0, tinted: Float = 0
        for light in lights {
            let wrapped = ((normal * light.direction).sum() + 0.3) / 1.3
            guard wrapped > 0 else { continue }
            diffuse += light.intensity * wrapped
            let half = (light.direction + toViewer).normalised()
            let th = (tangent * half).sum(), sine = max(0, 1 - th * th).squareRoot()
            white += light.intensity * wrapped * Foundation.pow(sine, 80)
            tinted += light.intensity * wrapped * Foundation.pow(sine, 10)
        }
        return albedo * diffuse + SIMD3(repeating: 0.35 * s * white) + albedo * (1.5 * s * tinted)
    }

    /// How much of a texture octave of `frequency` (cycles per cm) to keep at a pixel `footprint` cm
    /// wide: all of it at 4 or more pixels a period, none below 2 (it would alias, differently in every
    /// view, which no multi-view model can learn).
    @inline(__always) static func bandLimit(_ frequency: Float, footprint: Float) -> Float {
        smoothstep(2, 4, 1 / max(frequency * footprint, 1e-6))
    }

    /// Strands as streaks along `tangent` (cm-scale noise stretched along the strand), band-limited
    /// to the pixel `footprint` (cm).
    func strands(_ p: SIMD3<Float>, tangent: SIMD3<Float>, footprint: Float) -> Float {
        let along = (p * tangent).sum(), across = p - tangent * along
        // Strand clumps about 4 mm and 2.5 mm across: 5 and 3 pixels at 512x512, the finest a 512 view keeps.
        let coarse = detail(across * 2.5 + tangent * (along * 0.25)), fine = detail(across * 4 + tangent * (along * 0.4) + 13)
        return 0.8 + 0.3 * Self.bandLimit(2.5, footprint: footprint) * coarse + 0.3 * Self.bandLimit(4, footprint: footprint) * fine
    }

    /// Deferred shading of a rasterised view whose attributes are albedo, normal and world position
    /// (9 channels), optionally followed by specular, hair amount and strand tangent (14, as
    /// `SubjectScene.mesh()` gives): an RGBA image in sRGB with the view's coverage as alpha.
    public func image(of view: RasterizedView, camera: Camera, unitsPerCentimetre: Float = SubjectScene.unitsPerCentimetre) -> Image {
        precondition(view.channels == 9 || view.channels == SubjectScene.channels,
                     "deferred shading needs albedo, normal and position (9 channels), or the scene's 14")
        let (eye, ch) = (camera.centre, view.channels)
        var out = Image(width: view.width, height: view.height, channels: 4)
        out.pixels.withUnsafeMutableBufferPointer { buffer in
            let pixels = buffer.baseAddress!
            view.attributes.withUnsafeBufferPointer { attributes in
                parallelFor(view.height, chunk: 16) { rowBegin, rowEnd in
                    for p in (rowBegin * view.width)..<(rowEnd * view.width) where view.coverage[p] > 0 {
                        let a = attributes.baseAddress! + p * ch
                        let n = SIMD3(a[3], a[4], a[5]).normalised()
                        let position = SIMD3(a[6], a[7], a[8])
                        let toViewer = (eye - position).normalised()
                        var albedo = SIMD3(a[0], a[1], a[2])
                        var c: SIMD3<Float>
                        if ch == SubjectScene.channels {
                            let (s, hair) = (a[9], a[10])
                            let centimetres = position / unitsPerCentimetre
                            // The pixel's footprint on the surface, facing the camera (cm).
                            let footprint = (eye - position).length / camera.fx / unitsPerCentimetre
                            if hair > 0.01 {
                                var t = SIMD3(a[11], a[12], a[13])
                                t = t.tangential(to: n)
                                albedo *= 1 + hair * (strands(centimetres, tangent: t, footprint: footprint) - 1)
                                let skin = shade(albedo: albedo, normal: n, toViewer: toViewer, specularScale: s)
                                let strand = shadeHair(albedo: albedo, normal: n, tangent: t, toViewer: toViewer, specular: s)
                                c = skin * (1 - hair) + strand * hair
                            } else {
                                // Pores and fine mottling; the specular varies with them.
                                let pores = detail(centimetres * 4) * Self.bandLimit(4, footprint: footprint)
                                albedo *= 1 + 0.05 * pores
                                c = shade(albedo: albedo, normal: n, toViewer: toViewer, specularScale: s * (1 + 0.3 * pores))
                            }
                        } else {
                            c = shade(albedo: albedo, normal: n, toViewer: toViewer)
                        }
                        for k in 0..<3 { pixels[p * 4 + k] = Self.encodeSRGB(c[k]) }
                        pixels[p * 4 + 3] = view.coverage[p]
                    }
                }
            }
        }
        return out
    }

    /// Linear light to the sRGB transfer curve, clipped to [0, 1].
    @inline(__always) public static func encodeSRGB(_ linear: Float) -> Float {
        let x = min(1, max(0, linear))
        return x <= 0.0031308 ? 12.92 * x : 1.055 * Foundation.pow(x, 1 / 2.4) - 0.055
    }
}
