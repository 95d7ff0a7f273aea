"""Exercices sur les CNN : vos solutions vont dans ce fichier.

Complétez chaque fonction ci-dessous (remplacez `raise NotImplementedError` par votre code),
puis lancez

    cnngrade check .

dans ce dossier pour noter les vérifications visibles. Une fonction absente, qui lève
NotImplementedError ou qui renvoie None obtient zéro aux vérifications qui l'appellent, et
rien d'autre n'est touché : vous pouvez faire les exercices un par un.

Règles
- N'importez que numpy et la bibliothèque standard de Python. Les imports de tensorflow,
  keras, scipy, torch (ou cnngrade) sont refusés par le correcteur, et les fonctions qui en
  ont besoin échouent à leurs vérifications.
- Aucune fonction ne doit modifier ses arguments en place (c'est vérifié) : travaillez sur
  des copies (np.pad, x.copy(), x + 0, ...).
- Vous pouvez mettre des fonctions auxiliaires dans d'autres fichiers .py de ce dossier et
  les importer d'ici.
- model.keras, votre modèle MNIST entraîné (exercice mnist_cnn), va dans ce même dossier,
  à côté de cnn.py.

Conventions (Keras, canaux en dernier : channels last)
- image (H, W) ou (H, W, C) ; batch (N, H, W, C) ; signal 1D (L, C) ou (N, L, C) ;
  volume (D, H, W, C) ou (N, D, H, W, C).
- noyaux : 2D (KH, KW, C, K), 1D (KL, C, K), 3D (KD, KH, KW, C, K) ; biais (K,).
- la « convolution » d'une couche de CNN est une corrélation croisée (le noyau n'est pas
  retourné).
- stride, dilation, pool_size, strides, kernel_size : un entier (le même sur chaque axe
  spatial) ou un tuple d'un entier par axe spatial. stride > 1 et dilation > 1 ne sont
  jamais demandés ensemble.
- Le padding d'une convolution est 'valid', 'same', un entier, un entier par axe spatial,
  ou un couple (before, after) par axe spatial ; en 2D aussi la forme plate
  (top, bottom, left, right).
- 'same' suit TensorFlow, axe spatial par axe spatial, avec une entrée de taille n, un noyau
  de taille k, un stride s et une dilatation d :
      out = ceil(n / s)
      total padding = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
      before = total // 2, after = total - before   (la plus grande moitié après)
- Taille de sortie par axe avec un padding explicite (before, after) :
      out = (n + before + after - ((k - 1) * d + 1)) // s + 1
- Les résultats sont des tableaux NumPy comparés par valeur, avec la tolérance
  |got - expected| <= {tolerance} * max(1, max|expected|) ; les calculs en float32 passent.
"""

import numpy as np
