import Foundation

/// One recorded operation: its inputs and the function from the output's gradient to the inputs'.
final class Node {
    let inputs: [Tensor]
    let backward: (Tensor) -> [Tensor?]
    init(inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether operations record themselves (off inside `noGrad`). Per thread, so parallel inference
/// on one thread does not switch recording off for another.
public enum GradMode {
    private static let key = "orbit.gradmode.disabled"
    public static var isEnabled: Bool {
        Thread.current.threadDictionary[key] == nil
    }
    static func set(enabled: Bool) {
        if enabled { Thread.current.threadDictionary.removeObject(forKey: key) }
        else { Thread.current.threadDictionary[key] = true }
    }
}

/// Runs `body` with recording off: inference and optimiser updates build no graph.
public func noGrad<T>(_ body: () throws -> T) rethrows -> T {
    let was = GradMode.isEnabled
    GradMode.set(enabled: false)
    defer { GradMode.set(enabled: was) }
    return try body()
}

extension Tensor {
    /// Attaches `out` to the graph when any input requires a gradient and recording is on.
    /// `backward` maps d(out) to d(input) for each input (nil where no gradient flows).
    @discardableResult
    func record(_ out: Tensor, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        Tensor.record(out, inputs: inputs, backward: backward)
    }

    /// Public entry for operations defined outside this module (custom kernels): same contract.
    @discardableResult
    public static func record(_ out: Tensor, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return out }
        out.requiresGrad = true
        out.node = Node(inputs: inputs, backward: backward)
        return out
    }

    /// Reverse-mode differentiation from this tensor. `gradient` defaults to ones (so a scalar
    /// loss needs none). Leaves that require gradients accumulate into `grad`.
    public func backward(_ gradient: Tensor? = nil) {
        precondition(requiresGrad, "backward() on a tensor that does not require a gradient")
        let seed = gradient ?? Tensor(filling: 1, shape: shape)
        precondition(seed.shape == shape, "gradient shape \(seed.shape) does not match \(shape)")

        // Topological order by iterative depth-first search.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            if visited.contains(ObjectIdentifier(t)) { continue }
            visited.insert(ObjectIdentifier(t))
            stack.append((t, true))
            for input in t.node?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }

        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        noGrad {
            for t in order.reversed() {
                guard let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
                guard let node = t.node else {
                    t.grad = t.grad.map { $0 + g } ?? g.contiguous()
                    continue
                }
                let inputGrads = node.backward(g)
                for (input, gi) in zip(node.inputs, inputGrads) {
                    guard input.requiresGrad, let gi else { continue }
                    precondition(gi.shape == input.shape, "gradient shape \(gi.shape) != input shape \(input.shape)")
                    let id = ObjectIdentifier(input)
                    grads[id] = grads[id].map { $0 + gi } ?? gi
                }
            }
        }
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}
