import './base.css';
import './generator.css';
import './viewer.css';
