import Foundation

/// Accessories fitted to one head (cm, head frame), each an implicit part with an exact analytic
/// distance: glasses (wire rims round each eye, a bridge, temples pushed out until they clear the
/// head), sunglasses (thicker rims and dark glossy lenses), a knitted beanie over the hair with a
/// turned-up cuff, an alice band over the crown, hoop earrings under the lobes.
struct AccessoryBuilder {
    let kind: Accessory
    let colour: SIMD3<Float>
    let landmarks: [SIMD3<Float>]
    /// Signed distance to the head, and the head with its hair (cm).
    let head: (SIMD3<Float>) -> Float
    let headWithHair: (SIMD3<Float>) -> Float
    let hairThickness: Float
    /// Ear-lobe points (left, right).
    let earLobes: [SIMD3<Float>]
    let noise: ValueNoise

    /// Moves `p` along `direction` until it is `clearance` outside `solid`.
    static func pushOut(_ p: SIMD3<Float>, along direction: SIMD3<Float>, clearance: Float, solid: (SIMD3<Float>) -> Float) -> SIMD3<Float> {
        var q = p
        for _ in 0..<200 {
            let d = solid(q)
            if d >= clearance { break }
            q += direction * max(0.05, clearance - d)
        }
        return q
    }

    func parts() -> [ImplicitPart] {
        switch kind {
        case .none: return []
        case .glasses: return spectacles(rimRadius: 0.13, halfSize: SIMD2(2.45, 1.75), lenses: false)
        case .sunglasses: return spectacles(rimRadius: 0.2, halfSize: SIMD2(2.8, 2.05), lenses: true)
        case .hat: return [beanie()]
        case .headband: return [aliceBand()]
        case .earrings: return earLobes.enumerated().map { hoop(at: $0.element, index: $0.offset) }
        }
    }

    private func tubePart(_ name: String, points: [SIMD3<Float>], radius: Float, closed: Bool, material: Material) -> ImplicitPart {
        let lower = points.reduce(SIMD3(repeating: Float.infinity)) { pointwiseMin($0, $1) } - radius - 0.2
        let upper = points.reduce(SIMD3(repeating: -Float.infinity)) { pointwiseMax($0, $1) } + radius + 0.2
        return ImplicitPart(name: name, lower: lower, upper: upper, spacing: min(0.08, radius * 0.6),
                            field: { Shapes.tube($0, points: points, radius: radius, closed: closed) }, material: { _, _ in material })
    }

    /// Spectacles from the eye landmarks: rims in a plane in front of the brows and the nose bridge.
    private func spectacles(rimRadius: Float, halfSize: SIMD2<Float>, lenses: Bool) -> [ImplicitPart] {
        let frame = Material(albedo: colour, specular: 0.5)
        let eyes = [Array(landmarks[36...41]), Array(landmarks[42...47])].map { points in points.reduce(.zero, +) / Float(points.count) }
        let front = max(landmarks[21].z, landmarks[22].z, landmarks[27].z) + 1.3
        var parts: [ImplicitPart] = []
        var outerEnds: [SIMD3<Float>] = [], innerTops: [SIMD3<Float>] = []
        for (index, eye) in eyes.enumerated() {
            let side: Float = eye.x < 0 ? -1 : 1
            let centre = SIMD3(eye.x + 0.25 * side, eye.y + 0.15, front)
            // A superellipse rim, bowed back towards the temples.
            let rim = (0..<32).map { k -> SIMD3<Float> in
                let a = Float(k) / 32 * 2 * .pi
                let (c, s) = (cos(a), sin(a))
                let x = halfSize.x * copysign(pow(abs(c), 0.6), c), y = halfSize.y * copysign(pow(abs(s), 0.7), s)
                return centre + SIMD3(x, y, -0.05 * (x * side + halfSize.x) * (x * side + halfSize.x) / halfSize.x)
            }
            parts.append(tubePart("rim \(index)", points: rim, radius: rimRadius, closed: true, material: frame))
            outerEnds.append(rim.max { $0.x * side < $1.x * side }!)
            innerTops.append(centre + SIMD3(-side * halfSize.x * 0.85, halfSize.y * 0.45, 0.05))
            if lenses {
                let lensCentre = centre + SIMD3(0, 0, -0.12)
                let lens = ImplicitPart(name: "lens \(index)", lower: lensCentre - SIMD3(halfSize.x + 0.3, halfSize.y + 0.3, 1.3),
                                        upper: lensCentre + SIMD3(halfSize.x + 0.3, halfSize.y + 0.3, 0.3), spacing: 0.07, field: { p in
                    let q = p - lensCentre, x = q.x / halfSize.x, y = q.y / halfSize.y
                    let outline = (pow(pow(abs(x), 1 / 0.3) + pow(abs(y), 1 / 0.35), 0.3) - 1) * min(halfSize.x, halfSize.y)
                    let bow = -0.05 * (q.x * side + halfSize.x) * (q.x * side + halfSize.x) / halfSize.x
                    return max(outline, abs(q.z - bow) - 0.1)
                }, material: { _, _ in Material(albedo: SIMD3(0.01, 0.012, 0.015), specular: 0.12) })
                parts.append(lens)
            }
        }
        let bridgeTop = (innerTops[0] + innerTops[1]) / 2 + SIMD3(0, 0.3, 0.1)
        parts.append(tubePart("bridge", points: [innerTops[0], bridgeTop, innerTops[1]], radius: rimRadius, closed: false, material: frame))
        for (index, end) in outerEnds.enumerated() {
            let side: Float = end.x < 0 ? -1 : 1
            // Hinge, along the side of the head above the ear, then down behind it; each point clears the head.
            let path = [end, end + SIMD3(0.25 * side, 0.1, -1.2), SIMD3(end.x, end.y + 0.4, 3), SIMD3(end.x, end.y + 0.3, -1.5),
                        SIMD3(end.x, end.y - 1.8, -3.2)].enumerated().map { k, p in
                k == 0 ? p : Self.pushOut(p, along: SIMD3(side, 0, 0), clearance: rimRadius + 0.15, solid: headWithHair)
            }
            parts.append(tubePart("temple \(index)", points: path, radius: rimRadius * 0.8, closed: false, material: frame))
        }
        return parts
    }

    /// A beanie: a shell over the head (and hair) above a brim line that runs across the forehead and
    /// dips at the nape, with a turned-up cuff and vertical knit ribs.
    private func beanie() -> ImplicitPart {
        let thickness = 1.2 + 0.5 * min(hairThickness, 2)
        func brim(_ p: SIMD3<Float>) -> Float { AccessoryBuilder.hatBrim(p) }
        return ImplicitPart(name: "hat", lower: SIMD3(-14, 0, -16), upper: SIMD3(14, 22, 15), spacing: 0.3, field: { p in
            let below = brim(p) - p.y
            if below > 1 { return below }  // skips the head's distance
            let cuff = smoothstep(3.2, 2.6, p.y - brim(p)) * 0.3
            let shell = self.head(p) - thickness - cuff - 0.2 * smoothstep(9, 16, p.y)
            return max(shell, brim(p) - p.y)
        }, material: { p, n in
            let rib = 0.85 + 0.25 * self.noise(SIMD3(atan2(p.x, p.z) * 40, p.y * 0.2, 0))
            return Material(albedo: self.colour * rib + SIMD3(0.02, 0.02, 0.02), specular: 0.02, hair: 0.5,
                            tangent: SIMD3<Float>(0, 1, 0).tangential(to: n))
        })
    }

    /// Height of a hat's lower edge over the head (cm): across the forehead, above the ears, lower at the nape.
    static func hatBrim(_ p: SIMD3<Float>) -> Float { 6.8 + 0.2 * p.z + 0.01 * p.x * p.x }

    /// An alice band from ear to ear over the crown, tilted forward, resting on the hair.
    private func aliceBand() -> ImplicitPart {
        let centre = SIMD3<Float>(0, 4.5, 0.5), tilt: Float = 0.05
        let points = (0...24).map { k -> SIMD3<Float> in
            let a = (Float(k) / 24 - 0.5) * 0.92 * .pi
            let direction = SIMD3(sin(a), cos(a) * cos(tilt), cos(a) * sin(tilt))
            return Self.pushOut(centre + direction * 5, along: direction, clearance: 0.45, solid: headWithHair)
        }
        return tubePart("headband", points: points, radius: 0.5, closed: false, material: Material(albedo: colour, specular: 0.4))
    }

    /// A hoop hanging from an ear lobe, in the plane facing sideways.
    private func hoop(at lobe: SIMD3<Float>, index: Int) -> ImplicitPart {
        let side: Float = lobe.x < 0 ? -1 : 1
        let centre = lobe + SIMD3(0.15 * side, -0.85, 0.1)
        let ring = (0..<24).map { k -> SIMD3<Float> in
            let a = Float(k) / 24 * 2 * .pi
            return centre + SIMD3(0, 0.8 * cos(a), 0.8 * sin(a))
        }
        let metal = noise(SIMD3(Float(index), 3, 7)) > 0 ? SIMD3<Float>(0.80, 0.55, 0.20) : SIMD3<Float>(0.75, 0.75, 0.75)
        return tubePart("earring \(index)", points: ring, radius: 0.09, closed: true, material: Material(albedo: metal, specular: 0.9))
    }
}
