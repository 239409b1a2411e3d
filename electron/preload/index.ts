/** The preload of the app's window (sandboxed, bundled to one CommonJS file): `window.mittelo` and nothing else. */
import { contextBridge, ipcRenderer } from 'electron';
import { exposeMitteloApi } from './expose.js';

exposeMitteloApi(contextBridge, ipcRenderer);
