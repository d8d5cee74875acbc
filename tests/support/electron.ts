export { probeElectron, type ElectronProbe } from '../../scripts/electron-binary';
