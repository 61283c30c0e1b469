export { MyAccessCard } from './MyAccessCard';
