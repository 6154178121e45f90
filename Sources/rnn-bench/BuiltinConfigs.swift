// The standard workloads, built into the binary so that `rnn-bench run` works from an installed
// copy with no checkout beside it. The text is shared/bench/configs.json verbatim (the PyTorch peer
// reads that file): keep the two identical, and change workloads there first.
enum BuiltinConfigs {
    static let json = #"""
{
  "about": "Standard RNN workloads. A training step is forward over the whole batch, backward (upstream gradient dy given for every output, loss = sum(y*dy)), and a plain SGD update of every parameter. An inference step is the forward pass alone. Shapes follow PyTorch: input (seq_len, batch, input_size); hidden state zeros at start. FLOPs count only the matrix products: forward 2*T*B*G*H*(I_l+H) per layer and direction (I_l = input_size for layer 0, H*directions above it; G = 1 RNN, 3 GRU, 4 LSTM); a training step counts 3x forward.",
  "configs": [
    {"name": "lstm-small",     "mode": "LSTM",     "input_size": 64,   "hidden_size": 128,  "num_layers": 1, "bidirectional": false, "batch": 32, "seq_len": 64},
    {"name": "lstm-medium",    "mode": "LSTM",     "input_size": 256,  "hidden_size": 512,  "num_layers": 1, "bidirectional": false, "batch": 64, "seq_len": 50},
    {"name": "gru-medium",     "mode": "GRU",      "input_size": 256,  "hidden_size": 512,  "num_layers": 1, "bidirectional": false, "batch": 64, "seq_len": 50},
    {"name": "rnn-tanh-medium","mode": "RNN_TANH", "input_size": 256,  "hidden_size": 512,  "num_layers": 1, "bidirectional": false, "batch": 64, "seq_len": 50},
    {"name": "lstm-charlm",    "mode": "LSTM",     "input_size": 128,  "hidden_size": 512,  "num_layers": 2, "bidirectional": false, "batch": 32, "seq_len": 100},
    {"name": "lstm-bi-2l",     "mode": "LSTM",     "input_size": 128,  "hidden_size": 256,  "num_layers": 2, "bidirectional": true,  "batch": 32, "seq_len": 64},
    {"name": "lstm-b1",        "mode": "LSTM",     "input_size": 128,  "hidden_size": 256,  "num_layers": 1, "bidirectional": false, "batch": 1,  "seq_len": 200},
    {"name": "lstm-large",     "mode": "LSTM",     "input_size": 1024, "hidden_size": 1024, "num_layers": 1, "bidirectional": false, "batch": 64, "seq_len": 32}
  ]
}
"""#
}
