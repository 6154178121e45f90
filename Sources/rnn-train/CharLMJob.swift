struct CharLMJob { let command: TrainCommand; let textPath: String; func run() throws {} }
