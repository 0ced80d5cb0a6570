import './base.css';
import './generator.css';
