import FFTWSystem
