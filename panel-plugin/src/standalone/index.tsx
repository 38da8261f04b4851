import React from 'react';
import { createRoot } from 'react-dom/client';
import { StandaloneApp } from './StandaloneApp';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(<StandaloneApp />);
}
