import ShadersCPU
import Tensor
import TestSupport
import XCTest

/// The fused inference MLP against the same network as separate recorded operations (gather,
/// linear, added row term, activation), on every ISA level, with more rows than one block.
final class RowMLPTests: XCTestCase {
    override func tearDown() { nn_set_isa_level(nn_isa_detected()) }

    /// input [40, 5]; 300 rows reading input rows in a scrambled order; a first-layer term table [7, 24].
    func network(outputs: Int, activation: RowActivation) -> (RowMLP, Tensor, [Int32], Tensor, [Int32]) {
        let widths = [5, 24, 24, 17, outputs]
        let layers = (0..<(widths.count - 1)).map { l in
            (weight: Tensor.normal([widths[l + 1], widths[l]], std: 0.3, seed: UInt64(10 + l)),
             bias: l == 1 ? nil : Tensor.normal([widths[l + 1]], std: 0.1, seed: UInt64(20 + l)))
        }
        let input = Tensor.normal([40, 5], seed: 1), table = Tensor.normal([7, 24], std: 0.2, seed: 2)
        let rows = (0..<300).map { Int32($0 * 17 % 40) }, termIndex = (0..<300).map { Int32($0 * 5 % 7) }
        return (RowMLP(layers: layers, activation: activation), input, rows, table, termIndex)
    }

    func unfused(_ mlp: RowMLP, _ input: Tensor, rows: [Int32], table: Tensor, termIndex: [Int32]) -> (Tensor, Tensor) {
        func act(_ t: Tensor) -> Tensor {
            switch mlp.activation {
            case .relu: t.relu()
            case let .softplus(beta, threshold): t.softplus(beta: beta, threshold: threshold)
            }
        }
        var pre = input.gatherRows(rows).linear(weight: mlp.layers[0].weight, bias: mlp.layers[0].bias) + table.gatherRows(termIndex)
        for layer in mlp.layers.dropFirst().dropLast() { pre = act(pre).linear(weight: layer.weight, bias: layer.bias) }
        let last = mlp.layers[mlp.layers.count - 1]
        return (act(pre).linear(weight: last.weight, bias: last.bias), pre)
    }

    func testMatchesTheUnfusedNetworkOnEveryISA() {
        // A narrow output (dot products) and a wide one (GEMM); softplus at NPHM's beta and relu.
        for (outputs, activation) in [(1, RowActivation.softplus(beta: 100)), (3, .relu), (12, .softplus(beta: 2))] {
            let (mlp, input, rows, table, termIndex) = network(outputs: outputs, activation: activation)
            let (expected, expectedPre) = unfused(mlp, input, rows: rows, table: table, termIndex: termIndex)
            for level in 0...nn_isa_detected() {
                nn_set_isa_level(level)
                let (output, pre) = mlp(input, rows: rows, firstLayerTerm: (table, termIndex), tapLastHidden: true)
                assertClose(output, expected, rtol: 1e-5, atol: 1e-5, "output, \(outputs) wide, \(activation), ISA \(level)")
                assertClose(pre!, expectedPre, rtol: 1e-5, atol: 1e-5, "tapped pre-activation, ISA \(level)")
            }
        }
    }

    func testRowsInOrderAndNoTermGiveThePlainNetwork() {
        let (mlp, input, _, _, _) = network(outputs: 2, activation: .softplus(beta: 100))
        var h = input
        for layer in mlp.layers.dropLast() { h = h.linear(weight: layer.weight, bias: layer.bias).softplus(beta: 100) }
        let last = mlp.layers[mlp.layers.count - 1]
        let (output, tap) = mlp(input)
        assertClose(output, h.linear(weight: last.weight, bias: last.bias), rtol: 1e-5, atol: 1e-5)
        XCTAssertNil(tap)
        XCTAssertEqual(mlp(Tensor(zeros: [0, 5])).output.shape, [0, 2])
    }
}
